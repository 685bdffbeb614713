"""Odd GPX and TCX recordings: no timestamps, time going backwards, one point, zero distance."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from pipeline.demo.gpx_file import gpx_activity_bytes
from pipeline.demo.tcx_file import tcx_activity_bytes
from tests.factories import run_samples
from tests.robustness.conftest import reasons

START = "2026-03-21T07:00:00Z"
WRITERS = {"gpx": gpx_activity_bytes, "tcx": tcx_activity_bytes}


def recording(kind: str, samples: pd.DataFrame) -> bytes:
    return WRITERS[kind](samples)


def without_times(kind: str) -> bytes:
    data = recording(kind, run_samples(START, minutes=2)).decode()
    if kind == "gpx":
        return re.sub(r"<time>[^<]*</time>", "", data).encode()
    # TCX: trackpoints without <Time>, and the activity's <Id> and lap start blanked too
    data = re.sub(r"<Time>[^<]*</Time>", "", data)
    data = re.sub(r"<Id>[^<]*</Id>", "<Id></Id>", data)
    return re.sub(r'StartTime="[^"]*"', 'StartTime=""', data).encode()


@pytest.mark.parametrize("kind", ["gpx", "tcx"])
def test_no_timestamps_is_not_an_activity(sandbox, good_fit, kind):
    bad = sandbox.write(f"course.{kind}", without_times(kind))
    code, summary, _ = sandbox.ingest(bad, good_fit)
    assert code == 0  # a course or route is a valid file, not a rejected one
    expected = "with no times" if kind == "gpx" else "fewer than two timed points"
    assert expected in reasons(summary, "not_activity")[str(bad)]
    assert summary["new"] == 1 and len(sandbox.activities()) == 1


@pytest.mark.parametrize("kind", ["gpx", "tcx"])
def test_time_going_backwards_drops_those_points_with_a_warning(sandbox, good_fit, kind):
    s = run_samples(START, minutes=2)
    s.loc[60:, "timestamp_utc"] = s.loc[60:, "timestamp_utc"] - pd.Timedelta(seconds=90)
    bad = sandbox.write(f"backwards.{kind}", recording(kind, s))
    code, summary, _ = sandbox.ingest(bad, good_fit)
    assert code == 0 and summary["new"] == 2
    warned = [w["warning"] for w in summary["warnings"] if w["source"] == str(bad)]
    assert any("time goes backwards" in w for w in warned)
    row = sandbox.activities().set_index("start_time_utc").loc[pd.Timestamp(START)]
    samples = pd.read_parquet(sandbox.store.samples_path(row["activity_id"]))
    assert samples["timestamp_utc"].is_monotonic_increasing
    assert len(samples) < 120


@pytest.mark.parametrize("kind", ["gpx", "tcx"])
def test_a_single_point_is_not_an_activity(sandbox, good_fit, kind):
    bad = sandbox.write(f"single.{kind}", recording(kind, run_samples(START, minutes=2).iloc[:1]))
    code, summary, _ = sandbox.ingest(bad, good_fit)
    assert code == 0
    assert "fewer than two timed points" in reasons(summary, "not_activity")[str(bad)]
    assert summary["new"] == 1


@pytest.mark.parametrize("kind", ["gpx", "tcx"])
def test_all_points_at_the_same_time_are_not_an_activity(sandbox, good_fit, kind):
    s = run_samples(START, minutes=2)
    s["timestamp_utc"] = s["timestamp_utc"].iloc[0]
    bad = sandbox.write(f"frozen.{kind}", recording(kind, s))
    code, summary, _ = sandbox.ingest(bad, good_fit)
    assert code == 0
    assert "fewer than two timed points" in reasons(summary, "not_activity")[str(bad)]


@pytest.mark.parametrize("kind", ["gpx", "tcx"])
def test_zero_distance_is_kept_with_duration_and_a_null_distance(sandbox, good_fit, kind):
    bad = sandbox.write(f"standing.{kind}", recording(kind, run_samples(START, minutes=2,
                                                                         speed_mps=0.0)))
    code, summary, _ = sandbox.ingest(bad, good_fit)
    assert code == 0 and summary["new"] == 2
    row = sandbox.activities().set_index("start_time_utc").loc[pd.Timestamp(START)]
    assert pd.isna(row["distance_m"])  # no movement measured: null, never a made-up 0
    assert row["elapsed_time_s"] == pytest.approx(119, abs=1)
    assert row["avg_hr_bpm"] == pytest.approx(145)


@pytest.mark.parametrize("kind", ["gpx", "tcx"])
@pytest.mark.parametrize("days", [-365, 365])
def test_a_sample_dated_a_year_away_is_dropped_with_a_warning(sandbox, good_fit, kind, days):
    s = run_samples(START, minutes=2)
    i = 0 if days < 0 else 119
    s.loc[i, "timestamp_utc"] = s.loc[i, "timestamp_utc"] + pd.Timedelta(days=days)
    bad = sandbox.write(f"typo.{kind}", recording(kind, s))
    code, summary, _ = sandbox.ingest(bad, good_fit)
    assert code == 0 and summary["new"] == 2
    assert [w for w in summary["warnings"] if w["source"] == str(bad) and "date" in w["warning"]]
    acts = sandbox.activities()
    # without its first point (days < 0) the run starts a second later
    [row] = acts[(acts["start_time_utc"] - pd.Timestamp(START)).abs() <= pd.Timedelta(seconds=2)
                 ].to_dict("records")
    assert 115 < row["elapsed_time_s"] < 200
    stored = pd.read_parquet(sandbox.store.samples_path(row["activity_id"]))
    assert len(stored) == 119 and stored["timestamp_utc"].dt.year.eq(2026).all()


@pytest.mark.parametrize("kind", ["gpx", "tcx"])
def test_a_point_in_the_middle_dated_a_year_late_costs_only_that_point(sandbox, good_fit, kind):
    # dropped before the time-order check, which would otherwise drop every point after it
    s = run_samples(START, minutes=2)
    s.loc[60, "timestamp_utc"] = s.loc[60, "timestamp_utc"] + pd.Timedelta(days=365)
    bad = sandbox.write(f"middle.{kind}", recording(kind, s))
    code, summary, _ = sandbox.ingest(bad, good_fit)
    assert code == 0 and summary["new"] == 2
    warned = [w["warning"] for w in summary["warnings"] if w["source"] == str(bad)]
    assert any(w.startswith("1 sample(s) dated more than 24 h away") for w in warned)
    assert not any("goes backwards" in w for w in warned)
    row = sandbox.activities().set_index("start_time_utc").loc[pd.Timestamp(START)]
    assert len(pd.read_parquet(sandbox.store.samples_path(row["activity_id"]))) == 119


def test_a_tcx_lap_start_dated_a_year_away_gives_way_to_the_trackpoints(sandbox, good_fit):
    data = recording("tcx", run_samples(START, minutes=2)).decode()
    lap_start = re.search(r'StartTime="([^"]+)"', data).group(1)
    wrong = lap_start.replace("2026", "2025", 1)
    bad = sandbox.write("lap.tcx", data.replace(f'StartTime="{lap_start}"',
                                                f'StartTime="{wrong}"').encode())
    code, summary, _ = sandbox.ingest(bad, good_fit)
    assert code == 0 and summary["new"] == 2
    assert any("lap's start time is dated more than 24 h away" in w["warning"]
               for w in summary["warnings"] if w["source"] == str(bad))
    row = sandbox.activities().set_index("start_time_utc").loc[pd.Timestamp(START)]
    assert row["elapsed_time_s"] < 200
