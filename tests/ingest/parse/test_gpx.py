"""GPX reader: generated fixtures (gpxpy, through the demo writer) and the real corpus."""

from __future__ import annotations

import time

import gpxpy
import numpy as np
import pandas as pd
import pytest

from pipeline.demo.gpx_file import gpx_activity_bytes
from pipeline.errors import NotAnActivity, UnreadableInput, UnsafeInput
from pipeline.ingest.parse.gpx import read_gpx
from pipeline.ingest.parse.trackpoints import haversine_steps_m, steps_per_count
from pipeline.schemas import Samples
from tests.factories import M_PER_DEG_LAT, steady_samples

START = pd.Timestamp("2024-05-01 17:30:00", tz="UTC")


def run_samples(n: int = 600, *, speed: float = 3.0, spm: float = 170.0) -> pd.DataFrame:
    """A steady run due north: 1 Hz, ``speed`` m/s, rolling altitude, HR 150, cadence ``spm``."""
    return steady_samples(START, n=n, speed_mps=speed, lat=46.0, lon=14.5,
                          altitude_m=lambda t: 300 + 5 * np.sin(t / 60),
                          heart_rate_bpm=lambda t: 140 + (t % 20), cadence_spm=spm)


def read_one(data: bytes, source: str = "fixture.gpx"):
    activities = read_gpx(data, source=source)
    assert len(activities) == 1
    Samples.validate(activities[0].samples)
    return activities[0]


def gpx_with_points(points: str, *, type_: str | None = "running", extra_ns: str = "") -> bytes:
    """A minimal GPX 1.1 document around hand-written <trkpt> elements."""
    t = f"<type>{type_}</type>" if type_ else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"{extra_ns}>'
        f"<trk>{t}<trkseg>{points}</trkseg></trk></gpx>"
    ).encode()


def trkpt(lat: float, when: str, inner: str = "") -> str:
    return f'<trkpt lat="{lat}" lon="14.5"><time>{when}</time>{inner}</trkpt>'


# --- round trips through the writer -----------------------------------------------------------


def test_round_trip_recovers_times_positions_and_channels():
    s = run_samples()
    a = read_one(gpx_activity_bytes(s, name="Evening Run"))
    out = a.samples
    assert a.format == "gpx" and a.sport == "running" and a.name == "Evening Run"
    assert a.device == "StravaGPX" and a.warnings == []
    assert a.start_time_utc == START
    assert len(out) == len(s)
    assert out["elapsed_s"].iloc[-1] == pytest.approx(len(s) - 1)
    assert out["distance_m"].iloc[-1] == pytest.approx(s["distance_m"].iloc[-1], rel=0.005)
    assert out["speed_mps"].median() == pytest.approx(3.0, rel=0.01)
    np.testing.assert_allclose(out["altitude_m"], s["altitude_m"], atol=0.01)
    np.testing.assert_allclose(out["heart_rate_bpm"], s["heart_rate_bpm"])
    assert (out["cadence_spm"] == 170).all()  # written as 85 strides/min, read back as steps
    assert out["cadence_rpm"].isna().all()


@pytest.mark.parametrize(
    ("offset_min", "local"), [(120, b"T19:30:00+02:00"), (-360, b"T11:30:00-06:00")]
)
def test_offset_times_become_the_same_utc_instant_and_give_the_local_offset(offset_min, local):
    s = run_samples(60)
    data = gpx_activity_bytes(s, utc_offset_min=offset_min)
    assert local in data
    a = read_one(data)
    assert a.start_time_utc == START
    assert a.samples["timestamp_utc"].iloc[-1] == s["timestamp_utc"].iloc[-1]
    assert a.utc_offset_min == offset_min
    assert read_one(gpx_activity_bytes(s)).utc_offset_min is None  # "Z" says nothing local


def test_times_without_an_offset_are_utc():
    pts = "".join(trkpt(46 + i * 1e-4, f"2024-05-01T17:30:{i:02d}") for i in range(5))
    a = read_one(gpx_with_points(pts))
    assert a.start_time_utc == START and a.utc_offset_min is None


def test_several_tracks_and_segments_are_joined_in_time_order():
    s = run_samples(400)
    gpx = gpxpy.parse(gpx_activity_bytes(s, n_tracks=2, n_segments=2).decode())
    gpx.tracks.reverse()  # files do not always list tracks chronologically
    for track in gpx.tracks:
        track.segments.reverse()
    a = read_one(gpx.to_xml().encode())
    assert len(a.samples) == 400
    assert a.samples["timestamp_utc"].is_monotonic_increasing
    assert a.start_time_utc == START
    assert a.samples["distance_m"].iloc[-1] == pytest.approx(399 * 3.0, rel=0.005)


@pytest.mark.parametrize("version", [1, 2])
def test_track_point_extension_v1_and_v2(version):
    data = gpx_activity_bytes(run_samples(30), tpx_version=version)
    assert f"TrackPointExtension/v{version}".encode() in data
    out = read_one(data).samples
    assert out["heart_rate_bpm"].notna().all() and (out["cadence_spm"] == 170).all()


def test_plain_hr_and_cad_children_of_extensions():
    pts = "".join(
        trkpt(46 + i * 3 / M_PER_DEG_LAT, f"2024-05-01T17:30:{i:02d}Z",
              "<extensions><hr>141</hr><cad>86</cad></extensions>")
        for i in range(20)
    )
    out = read_one(gpx_with_points(pts)).samples
    assert (out["heart_rate_bpm"] == 141).all()
    assert (out["cadence_spm"] == 172).all()


# --- cadence units -------------------------------------------------------------------------


def test_cadence_already_in_steps_is_not_doubled():
    # a file whose cad holds 170 (steps/min): doubling would mean 340 steps/min
    out = read_one(gpx_activity_bytes(run_samples(120, spm=340.0))).samples
    assert out["cadence_spm"].median() == 170


@pytest.mark.parametrize(
    ("cad", "speed", "factor"),
    [
        (85.0, 3.0, 2.0),  # ordinary strides/min
        (100.0, 5.5, 2.0),  # sprinting: 100 steps/min would mean 3.3 m steps
        (110.0, 1.8, 1.0),  # 220 steps/min at 1.8 m/s would mean 0.49 m steps: these are steps
        (170.0, 3.0, 1.0),  # steps/min
    ],
)
def test_steps_per_count_uses_the_speed_derived_step_length(cad, speed, factor):
    got, why = steps_per_count(np.full(50, cad), np.full(50, speed))
    assert got == factor, why


def test_ride_cadence_is_crank_rpm_and_never_doubled():
    s = run_samples(60, speed=8.0).drop(columns="cadence_spm").assign(cadence_rpm=90.0)
    a = read_one(gpx_activity_bytes(s, sport="cycling"))
    assert a.sport == "cycling"
    assert (a.samples["cadence_rpm"] == 90).all() and a.samples["cadence_spm"].isna().all()


# --- sport ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "sport"),
    [("running", "running"), ("run", "running"), ("9", "running"),
     ("trail_running", "trail_running"), ("cycling", "cycling"), ("biking", "cycling"), ("Ride", "cycling"), ("1", "cycling"),
     ("swimming", "swimming"), ("walking", "walking"), ("hiking", "walking")],
)
def test_sport_from_type(type_, sport):
    pts = "".join(trkpt(46 + i * 1e-5, f"2024-05-01T17:30:{i:02d}Z") for i in range(5))
    a = read_one(gpx_with_points(pts, type_=type_))
    assert a.sport == sport and a.warnings == []


def test_unknown_type_is_other_and_a_missing_type_is_judged_by_speed_with_a_warning():
    pts = "".join(trkpt(46 + i * 1e-5, f"2024-05-01T17:30:{i:02d}Z") for i in range(5))
    unknown = read_one(gpx_with_points(pts, type_="jkljkl"))
    assert unknown.sport == "other" and "not recognised" in unknown.warnings[0]
    named = read_one(gpx_with_points(pts, type_=None), source="Morning_Ride.gpx")
    assert named.sport == "cycling" and named.warnings == []


@pytest.mark.parametrize(
    ("speed", "sport", "said"),
    [(3.0, "running", "assumed running"), (1.1, "walking", "assumed walking"),
     (8.0, "cycling", "assumed cycling"), (30.0, "other", "motorised")],
)
def test_a_missing_type_is_judged_by_the_median_moving_speed(speed, sport, said):
    # 60 points, 1 Hz, due north at ``speed`` m/s
    pts = "".join(trkpt(46 + i * speed / M_PER_DEG_LAT, f"2024-05-01T17:{30 + i // 60:02d}:"
                        f"{i % 60:02d}Z") for i in range(60))
    a = read_one(gpx_with_points(pts, type_=None))
    assert a.sport == sport
    assert any(w.startswith("sport not stated; median moving speed") and said in w
               for w in a.warnings)
    # the same track with a stated type keeps it
    assert read_one(gpx_with_points(pts, type_="running")).sport == "running"


def test_a_gps_spike_does_not_add_distance():
    # 3 m/s north for 120 s; every 20th point jumps 90 m east and the track comes back
    pts = []
    for i in range(120):
        lon = 14.5 + (90 / 77_300 if i % 20 == 10 else 0.0)  # ~77.3 km per degree at 46 N
        pts.append(f'<trkpt lat="{46 + i * 3.0 / M_PER_DEG_LAT}" lon="{lon}">'
                   f'<time>2024-05-01T17:{30 + i // 60:02d}:{i % 60:02d}Z</time></trkpt>')
    a = read_one(gpx_with_points("".join(pts)))
    assert a.samples["distance_m"].iloc[-1] == pytest.approx(119 * 3.0, rel=0.02)
    assert a.samples["latitude_deg"].isna().sum() == 6  # the spikes' positions are dropped
    assert any("jump away and back" in w for w in a.warnings)


# --- derived values and edge cases ----------------------------------------------------------


def test_distance_and_speed_from_positions_when_the_file_has_none():
    # 0.001 degree of latitude every 30 s: 111.2 m per step, 3.71 m/s
    pts = "".join(trkpt(46 + i * 0.001, f"2024-05-01T17:{30 + i // 2:02d}:{(i % 2) * 30:02d}Z")
                  for i in range(20))
    out = read_one(gpx_with_points(pts)).samples
    assert out["distance_m"].iloc[-1] == pytest.approx(19 * M_PER_DEG_LAT * 0.001, rel=1e-3)
    assert out["speed_mps"].median() == pytest.approx(M_PER_DEG_LAT * 0.001 / 30, rel=1e-3)
    assert out["altitude_m"].isna().all()  # no <ele>: null, never 0
    assert haversine_steps_m(np.array([0.0, 0.0]), np.array([0.0, 1.0]))[0] == pytest.approx(
        M_PER_DEG_LAT, rel=1e-4
    )


def test_all_zero_elevation_is_missing():
    s = run_samples(30).assign(altitude_m=0.0)
    assert read_one(gpx_activity_bytes(s)).samples["altitude_m"].isna().all()


def test_backwards_timestamps_are_dropped_with_a_warning():
    times = ["17:30:00", "17:30:05", "17:30:10", "17:30:03", "17:30:15", "17:30:20"]
    pts = "".join(trkpt(46 + i * 1e-4, f"2024-05-01T{t}Z") for i, t in enumerate(times))
    a = read_one(gpx_with_points(pts))
    assert len(a.samples) == 5 and a.samples["timestamp_utc"].is_monotonic_increasing
    assert any("backwards" in w for w in a.warnings)


def test_single_point_and_untimed_tracks_are_not_activities():
    with pytest.raises(NotAnActivity, match="fewer than two timed points"):
        read_gpx(gpx_with_points(trkpt(46.0, "2024-05-01T17:30:00Z")), source="one.gpx")
    untimed = '<trkpt lat="46" lon="14"/><trkpt lat="46.1" lon="14"/>'
    with pytest.raises(NotAnActivity, match="without times|no times"):
        read_gpx(gpx_with_points(untimed), source="course.gpx")
    route = (b'<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><rte>'
             b'<rtept lat="46" lon="14"/><rtept lat="46.1" lon="14"/></rte></gpx>')
    with pytest.raises(NotAnActivity, match="route"):
        read_gpx(route, source="route.gpx")


def test_bom_whitespace_and_a_declared_latin1_encoding_are_read():
    pts = "".join(trkpt(46 + i * 1e-4, f"2024-05-01T17:30:{i:02d}Z") for i in range(5))
    text = gpx_with_points(pts).decode().replace("<trk>", "<trk><name>Café</name>")
    text = text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    a = read_one(b"\xef\xbb\xbf \n" + text.encode("latin-1"))
    assert a.name == "Café"


def test_invalid_xml_and_other_documents_are_unreadable_with_a_reason():
    broken = gpx_with_points(trkpt(46.0, "2024-05-01T17:30:00Z"))
    broken = broken.replace(b"</trkseg>", b"\n</trk>")
    with pytest.raises(UnreadableInput, match=r"invalid XML at line \d+: mismatched tag"):
        read_gpx(broken, source="broken.gpx")
    with pytest.raises(UnreadableInput, match="not a GPX file: it is an HTML page"):
        read_gpx(b"<!DOCTYPE html><html><body>Sign in</body></html>", source="x.gpx")
    with pytest.raises(UnreadableInput, match="root element is <TrainingCenterDatabase>"):
        read_gpx(b"<TrainingCenterDatabase/>", source="x.gpx")
    with pytest.raises(UnreadableInput, match="empty"):
        read_gpx(b"", source="x.gpx")


# --- safety -----------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [
 <!ENTITY a "laughlaughlaughlaughlaughlaughlaughlaughlaughlaugh">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"> <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"> <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"> <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;"> <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<gpx version="1.1" creator="x"><trk><name>&i;</name><trkseg>
<trkpt lat="46" lon="14"><time>2024-05-01T17:30:00Z</time></trkpt>
<trkpt lat="46.001" lon="14"><time>2024-05-01T17:30:30Z</time></trkpt>
</trkseg></trk></gpx>"""


def test_billion_laughs_is_refused_without_expansion():
    started = time.perf_counter()
    with pytest.raises(UnsafeInput, match="refused for safety") as err:
        read_gpx(BILLION_LAUGHS, source="bomb.gpx")
    assert time.perf_counter() - started < 1.0  # 5 GB if expanded
    assert "laugh" not in str(err.value)


def test_external_entity_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = (f'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file://{secret}">]>'
            '<gpx version="1.1"><trk><name>&x;</name></trk></gpx>').encode()
    with pytest.raises(UnsafeInput) as err:
        read_gpx(data, source="xxe.gpx")
    assert "TOP-SECRET" not in str(err.value)


# --- the real corpus --------------------------------------------------------------------------

# Mojstrovka.gpx stamps every point 1901-12-13T20:45:52 (the smallest 32-bit Unix time): a
# placeholder, so it holds no timed track and is reported as not an activity.
NO_REAL_TIMES = {"Mojstrovka.gpx"}


def test_corpus_gpx_tracks_ingest(corpus):
    for path in sorted((corpus / "gpx").glob("*.gpx")):
        if path.name in NO_REAL_TIMES:
            with pytest.raises(NotAnActivity, match="placeholder times"):
                read_gpx(path.read_bytes(), source=path.name)
            continue
        a = read_one(path.read_bytes(), path.name)
        assert a.start_time_utc.year >= 2000, path.name
        assert a.samples["distance_m"].max() > 0, path.name
        assert a.samples["elapsed_s"].max() > 0, path.name


def test_corpus_garmin_connect_gives_heart_rate_and_cadence(corpus):
    a = read_one((corpus / "gpx" / "garmin_connect.gpx").read_bytes())
    assert a.sport == "running" and a.device == "Garmin Connect"
    assert a.samples["heart_rate_bpm"].tolist() == [120, 125, 130]
    assert a.samples["cadence_spm"].tolist() == [140, 150, 160]  # cad 70-80 strides/min


def test_corpus_strava_gpx_and_zero_elevations(corpus):
    strava = read_one((corpus / "gpx" / "strava_export.gpx").read_bytes())
    assert strava.sport == "running"  # <type>9</type>
    assert 150 < strava.samples["cadence_spm"].median() < 200
    zero = read_one((corpus / "gpx" / "cerknicko-jezero-with-elevations-zero.gpx").read_bytes())
    real = read_one((corpus / "gpx" / "cerknicko-jezero.gpx").read_bytes())
    assert zero.samples["altitude_m"].isna().all() and real.samples["altitude_m"].notna().all()
    offset = read_one((corpus / "gpx" / "track-with-less-sec-time.gpx").read_bytes())
    assert offset.start_time_utc == pd.Timestamp("2015-12-11T14:43:13Z")  # 15:43:13+01:00


def test_corpus_history_ingests_as_runs(corpus):
    files = sorted((corpus / "history").glob("*.gpx"))
    assert len(files) == 68
    with_hr = 0
    for path in files:
        a = read_one(path.read_bytes(), path.name)
        assert a.sport == "running", path.name
        assert a.samples["distance_m"].max() > 500, path.name
        assert a.samples["elapsed_s"].max() > 300, path.name
        with_hr += bool(a.samples["heart_rate_bpm"].notna().any())
    assert with_hr == 67  # one run was recorded without a strap


def test_corpus_not_activity_and_broken_gpx(corpus):
    for path in sorted((corpus / "not-activity").glob("*.gpx")):
        with pytest.raises(NotAnActivity, match="not an activity: "):
            read_gpx(path.read_bytes(), source=path.name)
    with pytest.raises(UnreadableInput, match="not a GPX file: it is an HTML page"):
        read_gpx((corpus / "broken" / "html-page-saved-as.gpx").read_bytes(), source="x")
