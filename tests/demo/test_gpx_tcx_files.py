"""The demo's GPX and TCX writers: well-formed files in the units watches write."""

from __future__ import annotations

import defusedxml.ElementTree as DET
import numpy as np
import pandas as pd
import pytest

from pipeline.demo.gpx_file import TPX_NS, gpx_activity_bytes
from pipeline.demo.tcx_file import AX_NS, TCD_NS, tcx_activity_bytes
from tests.factories import steady_samples

GPX_NS = "{http://www.topografix.com/GPX/1/1}"
TCD = f"{{{TCD_NS}}}"
AX = f"{{{AX_NS}}}"


def samples(n: int = 100, *, speed: float = 2.5) -> pd.DataFrame:
    return steady_samples("2024-03-10 18:00", n=n, speed_mps=speed, lat=40.0, lon=-105.0,
                          altitude_m=50.0, heart_rate_bpm=150.0, cadence_spm=172.0)


def test_gpx_is_gpx11_with_v2_extensions_strides_and_utc_times():
    root = DET.fromstring(gpx_activity_bytes(samples(), name="Tempo", creator="StravaGPX"))
    assert root.tag == f"{GPX_NS}gpx" and root.get("creator") == "StravaGPX"
    trk = root.find(f"{GPX_NS}trk")
    assert trk.findtext(f"{GPX_NS}name") == "Tempo" and trk.findtext(f"{GPX_NS}type") == "running"
    points = trk.findall(f"{GPX_NS}trkseg/{GPX_NS}trkpt")
    assert len(points) == 100
    assert all(p.findtext(f"{GPX_NS}time").endswith("Z") for p in points)
    ext = points[0].find(f"{GPX_NS}extensions/{{{TPX_NS[2]}}}TrackPointExtension")
    assert ext.findtext(f"{{{TPX_NS[2]}}}hr") == "150"
    assert ext.findtext(f"{{{TPX_NS[2]}}}cad") == "86"  # 172 steps/min = 86 strides/min


def test_gpx_skips_rows_without_a_position_and_omits_missing_channels():
    s = samples(10).drop(columns=["heart_rate_bpm", "cadence_spm", "altitude_m"])
    s.loc[3, "latitude_deg"] = np.nan
    root = DET.fromstring(gpx_activity_bytes(s, tpx_version=1))
    points = root.findall(f".//{GPX_NS}trkpt")
    assert len(points) == 9
    assert all(p.find(f"{GPX_NS}extensions") is None and p.find(f"{GPX_NS}ele") is None
               for p in points)
    with pytest.raises(ValueError, match="latitude_deg"):
        gpx_activity_bytes(s.drop(columns="latitude_deg"))


def test_gpx_splits_into_tracks_and_segments():
    root = DET.fromstring(gpx_activity_bytes(samples(90), n_tracks=3, n_segments=2))
    tracks = root.findall(f"{GPX_NS}trk")
    assert len(tracks) == 3
    assert [len(t.findall(f"{GPX_NS}trkseg")) for t in tracks] == [2, 2, 2]
    assert len(root.findall(f".//{GPX_NS}trkpt")) == 90


def test_tcx_laps_per_km_with_totals_and_run_cadence_in_strides():
    s = samples(1000, speed=2.5)  # 2,497.5 m: laps of 1 km, 1 km, 497.5 m
    data = tcx_activity_bytes(s, device="Forerunner 965")
    root = DET.fromstring(data)
    activity = root.find(f"{TCD}Activities/{TCD}Activity")
    assert activity.get("Sport") == "Running"
    laps = activity.findall(f"{TCD}Lap")
    distances = [float(lap.findtext(f"{TCD}DistanceMeters")) for lap in laps]
    assert distances == pytest.approx([1000.0, 1000.0, 497.5])
    assert sum(float(lap.findtext(f"{TCD}TotalTimeSeconds")) for lap in laps) == 999
    assert activity.findtext(f"{TCD}Creator/{TCD}Name") == "Forerunner 965"
    tp = laps[0].find(f"{TCD}Track/{TCD}Trackpoint")
    assert tp.findtext(f"{TCD}Extensions/{AX}TPX/{AX}RunCadence") == "86"
    assert float(tp.findtext(f"{TCD}Extensions/{AX}TPX/{AX}Speed")) == 2.5
    assert tp.findtext(f"{TCD}HeartRateBpm/{TCD}Value") == "150"
    assert len(root.findall(f".//{TCD}Trackpoint")) == 1000


def test_tcx_one_lap_leading_whitespace_and_ride_cadence():
    s = samples(50).drop(columns="cadence_spm").assign(cadence_rpm=91.0)
    data = tcx_activity_bytes(s, sport="Biking", leading_whitespace=True, lap_m=None)
    assert data[:1].isspace() and not data.lstrip().startswith(b" ")
    root = DET.fromstring(data.lstrip())
    assert len(root.findall(f".//{TCD}Lap")) == 1
    assert root.find(f".//{TCD}Trackpoint/{TCD}Cadence").text == "91"
    assert root.find(f".//{AX}RunCadence") is None
