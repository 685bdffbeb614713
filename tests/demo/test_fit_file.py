"""The FIT writer: what it writes decodes with fitparse, in FIT units."""

from __future__ import annotations

import io

import fitparse
import numpy as np
import pandas as pd
import pytest

from pipeline.demo.fit_file import (
    fit_activity_bytes,
    fit_multisport_bytes,
    fit_non_activity_bytes,
    fit_summary_only_bytes,
)
from tests.factories import RUNNING_DYNAMICS, steady_samples


def run_samples(
    n: int = 60, *, start: str = "2026-06-01 01:30:00", spm: float = 171.5
) -> pd.DataFrame:
    """``n`` one-second running samples at 3 m/s."""
    return steady_samples(start, n=n, altitude_m=lambda t: 1600.0 + t * 0.1,
                          heart_rate_bpm=150.0, cadence_spm=spm, **RUNNING_DYNAMICS)


def messages(data: bytes, name: str) -> list[dict]:
    fit = fitparse.FitFile(io.BytesIO(data))
    return [m.get_values() for m in fit.get_messages(name)]


def test_running_file_writes_strides_fraction_and_fit_units():
    data = fit_activity_bytes(run_samples(), sport="running", utc_offset_min=-420)
    records = messages(data, "record")
    assert len(records) == 60
    r = records[5]
    assert r["cadence"] == 85 and r["fractional_cadence"] == pytest.approx(0.75, abs=1 / 128)
    assert r["step_length"] == pytest.approx(1050.0)  # mm
    assert r["position_lat"] * 180 / 2**31 == pytest.approx(39.7 + 5e-5, abs=1e-6)
    assert r["enhanced_speed"] == pytest.approx(3.0)
    session = messages(data, "session")[0]
    assert session["sport"] == "running"
    assert session["total_distance"] == pytest.approx(177.0)
    assert session["total_elapsed_time"] == pytest.approx(59.0)
    assert session["avg_running_cadence"] == 85
    assert session["avg_fractional_cadence"] == pytest.approx(0.75, abs=1 / 128)
    activity = messages(data, "activity")[0]
    offset = activity["local_timestamp"] - activity["timestamp"]
    assert offset.total_seconds() == -420 * 60
    events = messages(data, "event")
    assert [e["event_type"] for e in events] == ["start", "stop_all"]


def test_cycling_cadence_is_crank_rpm_not_halved():
    s = run_samples().drop(columns=["cadence_spm"]).assign(cadence_rpm=90.0)
    data = fit_activity_bytes(s, sport="cycling")
    assert {r["cadence"] for r in messages(data, "record")} == {90}
    assert messages(data, "session")[0]["sport"] == "cycling"


def test_developer_power_is_a_developer_field():
    data = fit_activity_bytes(run_samples(), sport="running", developer_power=True)
    r = messages(data, "record")[0]
    assert r["Power"] == 250 and "power" not in r


def test_missing_values_are_left_out():
    s = run_samples()
    s.loc[:9, "heart_rate_bpm"] = np.nan
    s = s.drop(columns=["latitude_deg", "longitude_deg"])
    records = messages(fit_activity_bytes(s, sport="running"), "record")
    assert records[0].get("heart_rate") is None and records[20]["heart_rate"] == 150
    assert all(r.get("position_lat") is None for r in records)


def test_multisport_has_one_session_per_leg():
    legs = [
        ("swimming", run_samples(30, start="2026-06-01 12:00:00")),
        ("transition", run_samples(10, start="2026-06-01 12:00:40")),
        ("cycling", run_samples(30, start="2026-06-01 12:01:00")),
        ("running", run_samples(30, start="2026-06-01 12:02:00")),
    ]
    data = fit_multisport_bytes(legs, utc_offset_min=120)
    sessions = messages(data, "session")
    assert [s["sport"] for s in sessions] == ["swimming", "transition", "cycling", "running"]
    assert len(messages(data, "record")) == 100
    assert messages(data, "activity")[0]["num_sessions"] == 4


def test_summary_only_has_a_session_and_no_records():
    data = fit_summary_only_bytes(
        sport="running",
        start_time_utc=pd.Timestamp("2026-01-02 07:00", tz="UTC"),
        elapsed_time_s=1800,
        distance_m=5000,
        avg_hr_bpm=140,
    )
    assert messages(data, "record") == []
    session = messages(data, "session")[0]
    assert session["total_distance"] == 5000 and session["avg_heart_rate"] == 140


@pytest.mark.parametrize(
    "kind, file_type", [("settings", "settings"), ("workout", "workout"), ("course", "course")]
)
def test_non_activity_files_declare_their_type(kind, file_type):
    data = fit_non_activity_bytes(kind)
    assert messages(data, "file_id")[0]["type"] == file_type
    assert messages(data, "session") == []
